-- Nexmark q3: local item suggestion (a regular join of two streams, unbounded state).
CREATE TABLE sink (seller BIGINT, name STRING, city STRING, state STRING, id BIGINT) WITH ('connector' = 'blackhole');
INSERT INTO sink
SELECT A.seller, P.name, P.city, P.state, A.id
FROM auction AS A INNER JOIN person AS P ON A.seller = P.id
WHERE A.category = 10 AND (P.state = 'OR' OR P.state = 'ID' OR P.state = 'CA');
