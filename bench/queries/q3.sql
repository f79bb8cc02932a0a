-- Nexmark q3, local item suggestion: auctions of category 10 by sellers in Oregon, Idaho or
-- California, with the seller's name, city and state.
-- Nexmark joins two streams with unbounded state; a ksqlDB user joins the auction stream to the
-- PERSON table (the latest row of each person), which is what this does. An auction whose seller
-- has not arrived yet finds no match (Nexmark's generator can pick seller ids a few people ahead).
CREATE STREAM Q3 WITH (KAFKA_TOPIC = 'q3', PARTITIONS = 1) AS
SELECT A.SELLER, P.NAME, P.CITY, P.STATE, A.ID
FROM AUCTION A JOIN PERSON P ON A.SELLER = P.ID
WHERE A.CATEGORY = 10 AND (P.STATE = 'OR' OR P.STATE = 'ID' OR P.STATE = 'CA')
EMIT CHANGES;
