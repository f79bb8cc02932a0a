-- Nexmark q7: highest bid per 10-second tumbling window.
CREATE TABLE sink (auction BIGINT, price BIGINT, bidder BIGINT, `dateTime` TIMESTAMP_LTZ(3), extra STRING) WITH ('connector' = 'blackhole');
INSERT INTO sink
SELECT B.auction, B.price, B.bidder, B.ts, B.extra
FROM bid B
JOIN (
  SELECT MAX(price) AS maxprice, window_end AS `dateTime`
  FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
  GROUP BY window_start, window_end
) B1
ON B.price = B1.maxprice
WHERE B.ts BETWEEN B1.`dateTime` - INTERVAL '10' SECOND AND B1.`dateTime`;
