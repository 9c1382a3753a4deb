"""Helpers for faust stream processors on the mesh (imports only mesh.core, mesh.compat and mesh.sdk).

    app.py            the faust app factory: at-least-once settings from MeshSettings
    bridge.py         faust message <-> CloudEvent + Avro, with the SDK's envelope and serde
    deadletters.py    dead letters with the SDK's reason headers, through the app's producer
    partitioning.py   librdkafka's default partitioner, for co-partitioned re-keying
    tables.py         table values kept as objects, written to the changelog with our codec
    topics.py         partition counts, co-partitioning checks, topics to create before start
    lag.py            consumer group lag (caught up?)
    web.py            JSON bodies of Avro-shaped records for web views
"""
