-- The pages that list temporary support due for review and the users read one page at a time
-- in these orders; without the indexes each page would sort the whole table.
CREATE INDEX answers_review_due ON answers (binding_status, review_date, id);
CREATE INDEX users_name ON users (name, id);
