-- Reports aggregate stages without joining questions: the question's process and priority
-- (fixed at submission) are copied onto each stage, and the period filters get indexes.
ALTER TABLE stages ADD COLUMN process TEXT NOT NULL DEFAULT '';
ALTER TABLE stages ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
UPDATE stages SET
    process = (SELECT q.process FROM questions q WHERE q.id = stages.question_id),
    priority = (SELECT q.priority FROM questions q WHERE q.id = stages.question_id);
CREATE INDEX stages_entered ON stages (entered_at);
CREATE INDEX stages_left ON stages (left_at);
