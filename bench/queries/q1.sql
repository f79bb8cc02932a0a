-- Nexmark q1, currency conversion: every bid's price from dollars to euros.
CREATE STREAM Q1 WITH (KAFKA_TOPIC = 'q1', PARTITIONS = 1) AS
SELECT AUCTION, BIDDER, 0.908 * PRICE AS PRICE, DATETIME, EXTRA FROM BID EMIT CHANGES;
