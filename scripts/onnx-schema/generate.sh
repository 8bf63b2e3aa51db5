#!/usr/bin/env bash
# Regenerates src/core/onnx/schema/onnx_pb.ts, the typed TypeScript messages for the vendored
# ONNX schema (src/core/onnx/schema/onnx.proto3), with protoc-gen-es from @bufbuild/protoc-gen-es.
# The generated file is committed, so building and testing never need protoc; run this only
# after replacing onnx.proto3 with a newer release of the schema.
#   apt-get install -y protobuf-compiler   # protoc (Debian 12 has 3.21)
#   bash scripts/onnx-schema/generate.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
schema=src/core/onnx/schema
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
protoc --plugin=protoc-gen-es=node_modules/.bin/protoc-gen-es \
  --es_out="$out" --es_opt=target=ts,import_extension=none \
  -I "$schema" "$schema/onnx.proto3"
mv "$out/onnx.proto3_pb.ts" "$schema/onnx_pb.ts"
echo "wrote $schema/onnx_pb.ts"
