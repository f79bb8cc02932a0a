-- Nexmark q2, selection: the bids on a set of auctions (every 123rd auction id).
CREATE STREAM Q2 WITH (KAFKA_TOPIC = 'q2', PARTITIONS = 1) AS
SELECT AUCTION, PRICE FROM BID WHERE AUCTION % 123 = 0 EMIT CHANGES;
