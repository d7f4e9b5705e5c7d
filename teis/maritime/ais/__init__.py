"""AIS ingest: NMEA 0183 AIVDM/AIVDO sentences → decoded records (pyais) → `teis.maritime.services.pipeline`."""
