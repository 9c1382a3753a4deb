"""The local Kafka broker runner: fetch Apache Kafka's jars from Maven Central and run one KRaft node."""
