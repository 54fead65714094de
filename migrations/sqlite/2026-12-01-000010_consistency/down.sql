DROP TABLE consistency_cases;
DROP TABLE consistency_checks;
