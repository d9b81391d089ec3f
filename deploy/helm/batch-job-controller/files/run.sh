#!/bin/sh
# The default job: reports one result value for its node, as the Go controller's example did.
# The controller sets NODE_NAME, EXECUTION_ID and the CALLBACK_SERVICE_*_URL variables (docs/configuration.md, "Job environment").
set -e
curl -sS -f -X POST -H 'Content-Type: application/json' \
  --data-binary "{\"my_metric\":[{\"value\":1.0,\"labels\":{\"label_a\":\"$NODE_NAME\"}}]}" "$CALLBACK_SERVICE_RESULT_URL"
