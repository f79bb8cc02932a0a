-- Nexmark q1: currency conversion.
CREATE TABLE sink (auction BIGINT, bidder BIGINT, price DECIMAL(23, 3), `dateTime` BIGINT, extra STRING) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT auction, bidder, 0.908 * price, `dateTime`, extra FROM bid;
