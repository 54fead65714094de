DROP INDEX stages_open_cover;
DROP INDEX stages_left_cover;
DROP INDEX stages_entered_cover;
CREATE INDEX stages_entered ON stages (entered_at);
CREATE INDEX stages_left ON stages (left_at);
