-- +goose Up
-- DNA kinship (issue 8): STR samples linked to a child record or to a
-- family member of a tracing request, the laboratories' allele frequency
-- tables, and the DNA results recorded on cases.

-- Frequency tables are population statistics, not personal data. A row
-- whose allele is 'N' holds the number of individuals typed at the locus
-- (in frequency), as in the CSV form.
CREATE TABLE kinship_frequency_tables (
    id            text PRIMARY KEY,
    name          text NOT NULL UNIQUE,
    org_id        text NOT NULL REFERENCES organisations (id),
    simulated     boolean NOT NULL,
    min_frequency real NOT NULL DEFAULT 0,
    created_at    timestamp NOT NULL,
    created_by    text NOT NULL
);
CREATE TABLE kinship_frequencies (
    table_id  text NOT NULL REFERENCES kinship_frequency_tables (id),
    locus     text NOT NULL,
    allele    text NOT NULL,
    frequency real NOT NULL,
    PRIMARY KEY (table_id, locus, allele)
);

-- A sample is one person's STR profile. It belongs to the organisation
-- that imported it and is linked to a record: a child record (the child
-- themself, relationship 'self') or a tracing request (a family member,
-- with their relationship to the child sought). The genotypes are sensitive
-- personal data: sealed (AEAD) like attachments, key_id naming the key.
CREATE TABLE kinship_samples (
    id           text PRIMARY KEY,
    org_id       text NOT NULL REFERENCES organisations (id),
    external_id  text NOT NULL,
    record_id    text NOT NULL REFERENCES records (id),
    record_kind  text NOT NULL CHECK (record_kind IN ('child', 'request')),
    relationship text NOT NULL,
    label        text NOT NULL DEFAULT '',
    loci         integer NOT NULL,
    key_id       text NOT NULL,
    sealed       blob NOT NULL,
    created_at   timestamp NOT NULL,
    created_by   text NOT NULL,
    UNIQUE (org_id, external_id)
);
CREATE INDEX kinship_samples_record ON kinship_samples (record_id);
CREATE INDEX kinship_samples_kind ON kinship_samples (record_kind);

-- A DNA result: a likelihood ratio computed for a case, with what it
-- compared and how. detail holds each locus's formula and LR, never the
-- genotypes.
CREATE TABLE kinship_results (
    id                text PRIMARY KEY,
    case_id           text NOT NULL REFERENCES cases (id),
    org_id            text NOT NULL REFERENCES organisations (id),
    child_sample      text NOT NULL REFERENCES kinship_samples (id),
    reference_samples text NOT NULL,
    relationship      text NOT NULL,
    hp                text NOT NULL,
    hd                text NOT NULL,
    lr                real NOT NULL,
    loci              text NOT NULL,
    frequency_table   text NOT NULL,
    theta             real NOT NULL,
    prior             real NOT NULL,
    posterior         real NOT NULL,
    reading           text NOT NULL,
    detail            text NOT NULL,
    created_at        timestamp NOT NULL,
    created_by        text NOT NULL
);
CREATE INDEX kinship_results_case ON kinship_results (case_id);

-- +goose Down
DROP TABLE kinship_results;
DROP TABLE kinship_samples;
DROP TABLE kinship_frequencies;
DROP TABLE kinship_frequency_tables;
