#!/bin/bash
trap '>&2 echo ERROR: Command on line $LINENO failed && exit 1' ERR

echo "starting"
env
echo "calling report callback: ${CALLBACK_SERVICE_RESULT_URL}"

curl --silent --show-error --fail -X POST -H "Content-Type: application/json; charset=utf-8" \
  --data-binary '{ "my_metric": [{ "value": 1.0, "labels": { "label_a": "AAA", "label_b": "BBB" }}] }' ${CALLBACK_SERVICE_RESULT_URL}

echo "uploading a file: ${CALLBACK_SERVICE_FILE_URL}"
echo "report of ${NODE_NAME}" | curl --silent --show-error --fail -X POST --data-binary @- "${CALLBACK_SERVICE_FILE_URL}?name=report.txt"

echo "creating an event: ${CALLBACK_SERVICE_EVENT_URL}"
curl --silent --show-error --fail -X POST -H "Content-Type: application/json" \
  --data-binary '{"warning": false, "reason": "TestReason", "message": "node %s checked", "args": ["'"${NODE_NAME}"'"]}' ${CALLBACK_SERVICE_EVENT_URL}

echo "done"
