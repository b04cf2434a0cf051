"""JSON-LD processing: offline context loading, strict expansion, canonicalisation."""
