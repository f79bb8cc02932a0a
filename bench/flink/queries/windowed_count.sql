-- Bids per auction in 10-second tumbling windows.
CREATE TABLE sink (auction BIGINT, window_start TIMESTAMP(3), num BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink
SELECT auction, window_start, COUNT(*)
FROM TABLE(TUMBLE(TABLE bid, DESCRIPTOR(ts), INTERVAL '10' SECOND))
GROUP BY auction, window_start, window_end;
