-- Quotes and payments: what does each quote come to once its promo code and the exchange rate
-- are applied, and how much does each customer still owe?
--
-- QUOTES_PRICED answers "what is this quote's final price, discount and margin, and what is it
-- in US dollars?" as each quote arrives. A promo code applies only when it exists and the quote
-- was made within its validity (valid_from..valid_until, both inclusive); an unknown, expired or
-- not yet valid code, or none, leaves the price alone. A currency without a rate leaves the
-- dollar figure NULL. Codes and rates are tables, so a quote sees the latest code and rate at the
-- time it is processed; changing a code or a rate never re-prices an earlier quote.
--
-- OPEN_PAYMENTS answers "how many payments does each customer have open, and for how much?"
-- (per customer and currency: amounts in different currencies are not added up). A payment's
-- latest state lives on the compacted `payments` topic keyed by job; when it settles, a
-- tombstone deletes it and the customer's figures shrink. A customer with nothing open leaves
-- the table (a tombstone on its topic).

-- Quotes as they are made, keyed by quote id; the record's timestamp is quoted_at.
CREATE STREAM QUOTES (
    QUOTE_ID VARCHAR KEY,
    JOB_ID VARCHAR,
    CUSTOMER_ID VARCHAR,
    TRADESPERSON_ID VARCHAR,
    AMOUNT DOUBLE,
    COST DOUBLE,
    CURRENCY VARCHAR,
    PROMO_CODE VARCHAR,
    QUOTED_AT BIGINT
) WITH (
    KAFKA_TOPIC = 'quotes',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6,
    TIMESTAMP = 'QUOTED_AT'
);

-- Promo codes, keyed by code: the latest terms of each; a tombstone withdraws a code.
CREATE TABLE PROMO_CODES (
    CODE VARCHAR PRIMARY KEY,
    DISCOUNT_PCT DOUBLE,
    VALID_FROM BIGINT,
    VALID_UNTIL BIGINT
) WITH (
    KAFKA_TOPIC = 'promo_codes',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- Exchange rates, keyed by currency: US dollars per unit.
CREATE TABLE CURRENCY_RATES (
    CURRENCY VARCHAR PRIMARY KEY,
    USD_RATE DOUBLE,
    UPDATED_AT BIGINT
) WITH (
    KAFKA_TOPIC = 'currency_rates',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- Each quote with the discount that applies to it (0 when none does) and its currency's rate.
-- Stream-table joins go through the table's primary key: the quote stream is re-keyed by its
-- promo code, then by its currency, and finally back to its quote id. A quote without a code
-- joins on '' (no code has that name): a join key that is NULL would drop the quote.
CREATE STREAM QUOTES_ENRICHED WITH (
    KAFKA_TOPIC = 'quotes_enriched',
    PARTITIONS = 6
) AS
SELECT
    Q.QUOTE_ID AS QUOTE_ID,
    Q.JOB_ID AS JOB_ID,
    Q.CUSTOMER_ID AS CUSTOMER_ID,
    Q.TRADESPERSON_ID AS TRADESPERSON_ID,
    Q.CURRENCY AS CURRENCY,
    Q.AMOUNT AS AMOUNT,
    Q.COST AS COST,
    Q.PROMO_CODE AS PROMO_CODE,
    CASE WHEN Q.QUOTED_AT BETWEEN P.VALID_FROM AND P.VALID_UNTIL THEN Q.PROMO_CODE END AS PROMO_APPLIED,
    CASE WHEN Q.QUOTED_AT BETWEEN P.VALID_FROM AND P.VALID_UNTIL THEN P.DISCOUNT_PCT
         ELSE CAST(0 AS DOUBLE) END AS DISCOUNT_PCT,
    R.USD_RATE AS USD_RATE,
    Q.QUOTED_AT AS QUOTED_AT
FROM QUOTES Q
LEFT JOIN PROMO_CODES P ON COALESCE(Q.PROMO_CODE, '') = P.CODE
LEFT JOIN CURRENCY_RATES R ON Q.CURRENCY = R.CURRENCY
PARTITION BY Q.QUOTE_ID
EMIT CHANGES;

-- The priced quote, keyed by quote id: discount, final price and margin (final price - cost) in
-- the quote's currency, and the final price in US dollars; money rounded to cents.
CREATE STREAM QUOTES_PRICED WITH (
    KAFKA_TOPIC = 'quotes_priced',
    PARTITIONS = 6
) AS
SELECT
    QUOTE_ID,
    JOB_ID,
    CUSTOMER_ID,
    TRADESPERSON_ID,
    CURRENCY,
    AMOUNT,
    PROMO_APPLIED,
    DISCOUNT_PCT,
    ROUND(AMOUNT * DISCOUNT_PCT / 100, 2) AS DISCOUNT,
    ROUND(AMOUNT - AMOUNT * DISCOUNT_PCT / 100, 2) AS FINAL_PRICE,
    ROUND(AMOUNT - AMOUNT * DISCOUNT_PCT / 100 - COST, 2) AS MARGIN,
    ROUND((AMOUNT - AMOUNT * DISCOUNT_PCT / 100) * USD_RATE, 2) AS FINAL_PRICE_USD,
    QUOTED_AT
FROM QUOTES_ENRICHED
EMIT CHANGES;

-- Payments, keyed by job: the latest state of each; a tombstone when it settles.
CREATE TABLE PAYMENTS (
    JOB_ID VARCHAR PRIMARY KEY,
    CUSTOMER_ID VARCHAR,
    QUOTE_ID VARCHAR,
    AMOUNT DOUBLE,
    CURRENCY VARCHAR,
    STATUS VARCHAR,
    UPDATED_AT BIGINT
) WITH (
    KAFKA_TOPIC = 'payments',
    VALUE_FORMAT = 'JSON',
    KEY_FORMAT = 'KAFKA',
    PARTITIONS = 6
);

-- Open payments per customer and currency. A table aggregation: a payment that changes takes
-- its old state out before its new one goes in, and a settled (deleted) payment only comes out.
-- A two-column key needs a key format that holds both: JSON.
CREATE TABLE OPEN_PAYMENTS WITH (
    KAFKA_TOPIC = 'open_payments',
    KEY_FORMAT = 'JSON',
    PARTITIONS = 6
) AS
SELECT
    CUSTOMER_ID,
    CURRENCY,
    COUNT(*) AS OPEN_PAYMENTS,
    ROUND(SUM(AMOUNT), 2) AS OPEN_AMOUNT
FROM PAYMENTS
GROUP BY CUSTOMER_ID, CURRENCY
HAVING COUNT(*) > 0
EMIT CHANGES;
