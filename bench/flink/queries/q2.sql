-- Nexmark q2: selection.
CREATE TABLE sink (auction BIGINT, price BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink SELECT auction, price FROM bid WHERE MOD(auction, 123) = 0;
