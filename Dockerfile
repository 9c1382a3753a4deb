# One image for every Python part of the mesh (registry, products apply, domain services, processor);
# docker-compose.yml picks the command. Same pins as the local set-up (constraints.txt).
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY mesh ./mesh
RUN pip install --no-cache-dir -c constraints.txt .
COPY schemas ./schemas
COPY domains ./domains
ENV MESH_KAFKA__BOOTSTRAP_SERVERS=kafka:29092 \
    MESH_REGISTRY__URL=http://registry:8081
