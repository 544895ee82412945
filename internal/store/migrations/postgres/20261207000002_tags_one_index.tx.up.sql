-- Tags are matched without regard to case, through the index on
-- lower(tag) (person_tags_folded); nothing reads the index on the tag as
-- written, which every tag written (a million at a time in an import)
-- kept up to date.
DROP INDEX person_tags_tag;
