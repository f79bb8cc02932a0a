-- Nexmark q5, hot items: per 10-second window sliding every 2 seconds, the auctions with the
-- most bids. Nexmark writes it with subqueries; ksqlDB has none, so it is a chain of persistent
-- queries, as a ksqlDB user would write it:
--   1. bids per auction per hopping window, with the auction and the window start copied into
--      the value (a windowed table);
--   2. that table's changelog read back as a plain stream (its windowed key ignored);
--   3. the largest count per window start (MAX over every change of a count: counts only grow
--      within a window, so that is the final maximum);
--   4. the counts joined with that maximum, keeping the auctions that reach it.
-- Unlike Nexmark, which emits once per window when it closes, this emits as counts change.
CREATE TABLE Q5_COUNTS WITH (KAFKA_TOPIC = 'q5_counts', PARTITIONS = 1) AS
SELECT AUCTION, AS_VALUE(AUCTION) AS AUC, WINDOWSTART AS WS, COUNT(*) AS NUM
FROM BID WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 2 SECONDS)
GROUP BY AUCTION EMIT CHANGES;

CREATE STREAM Q5_COUNT_CHANGES (AUC BIGINT, WS BIGINT, NUM BIGINT)
WITH (KAFKA_TOPIC = 'q5_counts', KEY_FORMAT = 'NONE', VALUE_FORMAT = 'JSON', PARTITIONS = 1);

CREATE TABLE Q5_MAX WITH (KAFKA_TOPIC = 'q5_max', PARTITIONS = 1) AS
SELECT WS, MAX(NUM) AS MAXN FROM Q5_COUNT_CHANGES GROUP BY WS EMIT CHANGES;

CREATE STREAM Q5 WITH (KAFKA_TOPIC = 'q5', PARTITIONS = 1) AS
SELECT C.WS, C.AUC, C.NUM
FROM Q5_COUNT_CHANGES C JOIN Q5_MAX M ON C.WS = M.WS
WHERE C.NUM >= M.MAXN
EMIT CHANGES;
