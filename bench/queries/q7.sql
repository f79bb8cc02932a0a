-- Nexmark q7, highest bid: per 10-second tumbling window, the bids with the highest price.
-- Nexmark joins the bids to a subquery of the maximum per window; as a chain of persistent
-- queries in ksqlDB's dialect:
--   1. the maximum price per tumbling window (one group for all bids), with the window start in
--      the value;
--   2. that table's changelog read back as a plain stream (its windowed key ignored);
--   3. bids joined with it on the price (a stream-stream join within the window's length).
CREATE TABLE Q7_MAX WITH (KAFKA_TOPIC = 'q7_max', PARTITIONS = 1) AS
SELECT 1 AS K, WINDOWSTART AS WS, MAX(PRICE) AS MAXPRICE
FROM BID WINDOW TUMBLING (SIZE 10 SECONDS)
GROUP BY 1 EMIT CHANGES;

CREATE STREAM Q7_MAX_CHANGES (WS BIGINT, MAXPRICE BIGINT)
WITH (KAFKA_TOPIC = 'q7_max', KEY_FORMAT = 'NONE', VALUE_FORMAT = 'JSON', PARTITIONS = 1);

CREATE STREAM Q7 WITH (KAFKA_TOPIC = 'q7', PARTITIONS = 1) AS
SELECT B.AUCTION, B.PRICE, B.BIDDER, B.DATETIME, B.EXTRA, M.WS
FROM BID B JOIN Q7_MAX_CHANGES M WITHIN 10 SECONDS ON B.PRICE = M.MAXPRICE
EMIT CHANGES;
