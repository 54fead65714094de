ALTER TABLE memberships DROP COLUMN from_directory;
DROP TABLE user_identities;
