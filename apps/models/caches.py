"""Per-process caches on the predict path, kept right by generation counters in Redis."""

from apps.core.gencache import GenerationCache

# a project's production versions: bumped by every stage change in the project
production_cache = GenerationCache("production")
# service tokens by key hash: bumped when any token is revoked
token_cache = GenerationCache("service-tokens")
