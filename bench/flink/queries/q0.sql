-- Nexmark q0: pass-through.
CREATE TABLE sink (auction BIGINT, bidder BIGINT, price BIGINT, `dateTime` BIGINT, extra STRING) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT auction, bidder, price, `dateTime`, extra FROM bid;
