"""Stream processors on the mesh, on Quix Streams (imports only mesh.core, mesh.compat and mesh.sdk).

    application.py    the Quix Streams app factory (exactly-once, MeshSettings' connection), dead letters
    serdes.py         Quix (de)serializers: CloudEvents + registry Avro through the SDK's event reader
    bridge.py         engine-neutral: raw messages, the event decoder and the output event encoder
    topics.py         partition counts, co-partitioning checks, topics to create before start
    partitioning.py   librdkafka's default partitioner, for co-partitioned re-keying
    lag.py            consumer group lag (caught up?)
    views.py          queryable views: a compacted topic in local RocksDB, served by key over HTTP
    web.py            JSON bodies of Avro-shaped records for web views
    faust.py          the faust integration: a faust Schema reading and writing mesh events
"""
