DROP INDEX answers_review_due;
DROP INDEX users_name;
