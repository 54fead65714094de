DROP INDEX possible_divergences_status;
DROP TABLE possible_divergences;
