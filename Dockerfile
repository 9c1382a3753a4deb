# One image for every Python part of the mesh (registry, products apply, domain services, processor);
# docker-compose.yml picks the command. Same pins as the local set-up (constraints.txt).
# The wheel is built in a stage with a C compiler so it carries the native Avro encoder
# and decoder (mesh/sdk/codec/_avro_*.c); the runtime image has no compiler.
FROM python:3.11-slim AS wheel
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml constraints.txt README.md ./
COPY mesh ./mesh
RUN pip wheel --no-cache-dir --no-deps -w /wheels . \
    && python -c "import sys, zipfile, glob; names = zipfile.ZipFile(glob.glob('/wheels/*.whl')[0]).namelist(); sys.exit(sum(n.endswith('.so') and ('_avro_encode' in n or '_avro_decode' in n) for n in names) != 2)"

FROM python:3.11-slim
WORKDIR /app
COPY constraints.txt ./
COPY --from=wheel /wheels /wheels
RUN pip install --no-cache-dir -c constraints.txt /wheels/*.whl && rm -rf /wheels
COPY schemas ./schemas
COPY domains ./domains
ENV MESH_KAFKA__BOOTSTRAP_SERVERS=kafka:29092 \
    MESH_REGISTRY__URL=http://registry:8081
