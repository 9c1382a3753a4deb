"""What producers and consumers import: CloudEvents envelope, wire framing, Avro codecs, producer, consumer."""
