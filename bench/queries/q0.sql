-- Nexmark q0, pass-through: every bid, unchanged. Measures the cost of reading, deserializing,
-- serializing and writing a record.
CREATE STREAM Q0 WITH (KAFKA_TOPIC = 'q0', PARTITIONS = 1) AS
SELECT AUCTION, BIDDER, PRICE, DATETIME, EXTRA FROM BID EMIT CHANGES;
