-- The Nexmark sources over the files `eddy gen nexmark` writes (${DATA} is their directory).
-- Each line is {"key": ..., "value": {...}, "timestamp": ...}; views unwrap the value. The event
-- time is the record timestamp (= DATETIME), with a watermark one second behind.
CREATE TABLE bid_file (
  `value` ROW<AUCTION BIGINT, BIDDER BIGINT, PRICE BIGINT, CHANNEL STRING, URL STRING, `DATETIME` BIGINT, EXTRA STRING>,
  `timestamp` BIGINT,
  ts AS TO_TIMESTAMP_LTZ(`timestamp`, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/bid.jsonl', 'format' = 'json');

CREATE TABLE auction_file (
  `value` ROW<ID BIGINT, ITEMNAME STRING, DESCRIPTION STRING, INITIALBID BIGINT, RESERVE BIGINT, `DATETIME` BIGINT, EXPIRES BIGINT, SELLER BIGINT, CATEGORY BIGINT, EXTRA STRING>,
  `timestamp` BIGINT,
  ts AS TO_TIMESTAMP_LTZ(`timestamp`, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/auction.jsonl', 'format' = 'json');

CREATE TABLE person_file (
  `value` ROW<ID BIGINT, NAME STRING, EMAILADDRESS STRING, CREDITCARD STRING, CITY STRING, STATE STRING, `DATETIME` BIGINT, EXTRA STRING>,
  `timestamp` BIGINT,
  ts AS TO_TIMESTAMP_LTZ(`timestamp`, 3),
  WATERMARK FOR ts AS ts - INTERVAL '1' SECOND
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/person.jsonl', 'format' = 'json');

CREATE VIEW bid AS SELECT `value`.AUCTION AS auction, `value`.BIDDER AS bidder, `value`.PRICE AS price,
  `value`.CHANNEL AS channel, `value`.URL AS url, `value`.`DATETIME` AS `dateTime`, `value`.EXTRA AS extra, ts
  FROM bid_file;

CREATE VIEW auction AS SELECT `value`.ID AS id, `value`.ITEMNAME AS itemName, `value`.DESCRIPTION AS description,
  `value`.INITIALBID AS initialBid, `value`.RESERVE AS reserve, `value`.`DATETIME` AS `dateTime`, `value`.EXPIRES AS expires,
  `value`.SELLER AS seller, `value`.CATEGORY AS category, `value`.EXTRA AS extra, ts
  FROM auction_file;

CREATE VIEW person AS SELECT `value`.ID AS id, `value`.NAME AS name, `value`.EMAILADDRESS AS emailAddress,
  `value`.CREDITCARD AS creditCard, `value`.CITY AS city, `value`.STATE AS state, `value`.`DATETIME` AS `dateTime`,
  `value`.EXTRA AS extra, ts
  FROM person_file;
