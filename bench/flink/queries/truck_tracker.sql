-- The truck tracker (queries/truck_tracker.sql) in Flink SQL, over the files `eddy gen trucks`
-- writes. A regular join of pings with job locations (Flink's usual choice; ksqlDB's is a
-- stream-table join), then the latest values per job. Flink has no GEO_DISTANCE: the great-circle
-- distance is written out (haversine, Earth radius 6371 km), as ksqlDB computes it.
CREATE TABLE joblocation_file (
  `key` STRING,
  `value` ROW<ID STRING, CUSTOMERNAME STRING, EMAIL STRING, ADDRESS STRING, DEST_LAT DOUBLE, DEST_LONG DOUBLE, REPORTING_TIME BIGINT>,
  `timestamp` BIGINT
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/joblocation.jsonl', 'format' = 'json');

CREATE TABLE pings_file (
  `key` STRING,
  `value` ROW<ID STRING, JOB_ID STRING, STATE STRING, LAT DOUBLE, LONG DOUBLE>,
  `timestamp` BIGINT
) WITH ('connector' = 'filesystem', 'path' = '${DATA}/pings.jsonl', 'format' = 'json');

CREATE TABLE sink (
  job_id STRING, vehicle_id STRING, lat DOUBLE, lon DOUBLE, dest_lat DOUBLE, dest_long DOUBLE,
  distance_from_destination DOUBLE, eta_seconds DOUBLE
) WITH ('connector' = 'blackhole');

INSERT INTO sink
SELECT J.ID,
  LAST_VALUE(V.ID), LAST_VALUE(V.LAT), LAST_VALUE(V.LONG), LAST_VALUE(J.DEST_LAT), LAST_VALUE(J.DEST_LONG),
  LAST_VALUE(ROUND(2 * 6371 * ASIN(SQRT(
      POWER(SIN(RADIANS(J.DEST_LAT - V.LAT) / 2), 2)
      + COS(RADIANS(V.LAT)) * COS(RADIANS(J.DEST_LAT)) * POWER(SIN(RADIANS(J.DEST_LONG - V.LONG) / 2), 2))), 2)),
  LAST_VALUE(ROUND(GREATEST(ABS(V.LAT - J.DEST_LAT), ABS(V.LONG - J.DEST_LONG)) / (0.5 / 10 / 10) * 2, 2))
FROM (SELECT `value`.* FROM pings_file) AS V
JOIN (SELECT `value`.* FROM joblocation_file) AS J
ON V.JOB_ID = J.ID
GROUP BY J.ID;
