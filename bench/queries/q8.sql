-- Nexmark q8, monitor new users: people who opened an auction within 10 seconds of joining.
-- Nexmark joins people and auctions that fall in the same 10-second tumbling window; ksqlDB's
-- windowed stream-stream join (WITHIN 10 SECONDS) is the nearest a ksqlDB user can write: it
-- pairs a person and an auction whose times are at most 10 seconds apart, so it can also pair
-- rows that straddle a window boundary.
CREATE STREAM Q8 WITH (KAFKA_TOPIC = 'q8', PARTITIONS = 1) AS
SELECT P.ID, P.NAME, A.ID AS AUCTION_ID, A.DATETIME
FROM PERSON_STREAM P JOIN AUCTION A WITHIN 10 SECONDS ON P.ID = A.SELLER
EMIT CHANGES;
