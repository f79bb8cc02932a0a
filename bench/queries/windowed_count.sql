-- Bids per auction in 10-second tumbling windows (a windowed aggregate over the bid stream).
CREATE TABLE WINDOWED_COUNT WITH (KAFKA_TOPIC = 'windowed_count', PARTITIONS = 1) AS
SELECT AUCTION, COUNT(*) AS NUM
FROM BID WINDOW TUMBLING (SIZE 10 SECONDS)
GROUP BY AUCTION EMIT CHANGES;
