-- The Nexmark sources, as `eddy gen nexmark` writes them (bid.jsonl, auction.jsonl, person.jsonl).
-- Each bench query file is run together with this one: eddy run nexmark_sources.sql qN.sql.
-- The record timestamp of every event is its DATETIME.

CREATE STREAM BID (
    AUCTION BIGINT,
    BIDDER BIGINT,
    PRICE BIGINT,
    CHANNEL VARCHAR,
    URL VARCHAR,
    DATETIME BIGINT,
    EXTRA VARCHAR
) WITH (KAFKA_TOPIC = 'bid', VALUE_FORMAT = 'JSON', PARTITIONS = 1);

CREATE STREAM AUCTION (
    ID BIGINT KEY,
    ITEMNAME VARCHAR,
    DESCRIPTION VARCHAR,
    INITIALBID BIGINT,
    RESERVE BIGINT,
    DATETIME BIGINT,
    EXPIRES BIGINT,
    SELLER BIGINT,
    CATEGORY BIGINT,
    EXTRA VARCHAR
) WITH (KAFKA_TOPIC = 'auction', KEY_FORMAT = 'KAFKA', VALUE_FORMAT = 'JSON', PARTITIONS = 1);

-- People as a table (latest row per id), for the stream-table join of q3.
CREATE TABLE PERSON (
    ID BIGINT PRIMARY KEY,
    NAME VARCHAR,
    EMAILADDRESS VARCHAR,
    CREDITCARD VARCHAR,
    CITY VARCHAR,
    STATE VARCHAR,
    DATETIME BIGINT,
    EXTRA VARCHAR
) WITH (KAFKA_TOPIC = 'person', KEY_FORMAT = 'KAFKA', VALUE_FORMAT = 'JSON', PARTITIONS = 1);

-- The same topic as a stream of new people, for the windowed stream-stream join of q8.
CREATE STREAM PERSON_STREAM (
    ID BIGINT KEY,
    NAME VARCHAR,
    EMAILADDRESS VARCHAR,
    CREDITCARD VARCHAR,
    CITY VARCHAR,
    STATE VARCHAR,
    DATETIME BIGINT,
    EXTRA VARCHAR
) WITH (KAFKA_TOPIC = 'person', KEY_FORMAT = 'KAFKA', VALUE_FORMAT = 'JSON', PARTITIONS = 1);
