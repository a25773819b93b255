-- Chief posts set up by an organisation without a platform share the lab posts' table, rules and code:
-- a post's parent is either a platform (lab_id) or an organisation (org_code), never both.
ALTER TABLE lab_posts RENAME TO posts;
ALTER INDEX lab_posts_by_lab RENAME TO posts_by_lab;
ALTER TABLE posts ALTER COLUMN lab_id DROP NOT NULL;
ALTER TABLE posts ADD COLUMN org_code text;
ALTER TABLE posts ADD CONSTRAINT posts_one_parent CHECK ((lab_id IS NULL) <> (org_code IS NULL));
CREATE INDEX posts_by_organization ON posts (org_code, id) WHERE org_code IS NOT NULL;
