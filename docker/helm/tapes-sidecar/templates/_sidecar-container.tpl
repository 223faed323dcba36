{{/* The tapes sidecar container: a native sidecar (init container) or a plain one beside Envoy. */}}
{{- define "tapes-sidecar.sidecarContainer" -}}
- name: sidecar
  image: {{ include "tapes-sidecar.sidecarImage" . }}
  imagePullPolicy: {{ .Values.sidecar.image.pullPolicy }}
{{- if .Values.sidecar.native }}
  # Native sidecar: started before Envoy, stopped after it.
  restartPolicy: Always
{{- end }}
  env:
    # Only Envoy, in this pod, talks to the gRPC port.
    - name: SIDECAR_GRPC_HOST
      value: 127.0.0.1
    - name: SIDECAR_GRPC_PORT
      value: {{ .Values.sidecar.grpcPort | quote }}
    - name: SIDECAR_HTTP_HOST
      value: 0.0.0.0
    - name: SIDECAR_HTTP_PORT
      value: {{ .Values.sidecar.httpPort | quote }}
    - name: INGEST_URL
      value: {{ tpl .Values.ingest.url . | quote }}
    {{- with include "tapes-sidecar.tokenSecretName" . }}
    - name: INGEST_TOKEN
      valueFrom:
        secretKeyRef:
          name: {{ . }}
          key: {{ include "tapes-sidecar.tokenSecretKey" $ }}
    {{- end }}
    # The spool is <TAPES_DATA_DIR>/spool, the volume mounted below.
    - name: TAPES_DATA_DIR
      value: /var/lib/tapes
    - name: TAPES_SPOOL_MAX_BYTES
      value: {{ .Values.spool.maxBytes | quote }}
    {{- /* captureBudgetBytes, maxBodyBytes and shutdownGraceMs: the values' names before #11, still honoured when set. */}}
    - name: TAPES_CAPTURE_QUEUE_BYTES
      value: {{ hasKey .Values.sidecar "captureBudgetBytes" | ternary .Values.sidecar.captureBudgetBytes .Values.sidecar.captureQueueBytes | quote }}
    - name: TAPES_MAX_CAPTURE_BODY_BYTES
      value: {{ hasKey .Values.sidecar "maxBodyBytes" | ternary .Values.sidecar.maxBodyBytes .Values.sidecar.maxCaptureBodyBytes | quote }}
    - name: TAPES_SHUTDOWN_GRACE
      value: {{ hasKey .Values.sidecar "shutdownGraceMs" | ternary (printf "%dms" (int .Values.sidecar.shutdownGraceMs)) .Values.sidecar.shutdownGrace | quote }}
    - name: LOG_LEVEL
      value: {{ .Values.sidecar.logLevel | quote }}
    {{- range .Values.sidecar.extraEnv }}
    - name: {{ .name }}
      value: {{ .value | quote }}
    {{- end }}
  ports:
    - name: grpc
      containerPort: {{ .Values.sidecar.grpcPort }}
      protocol: TCP
    - name: http-metrics
      containerPort: {{ .Values.sidecar.httpPort }}
      protocol: TCP
  # /health/live leaves ingest out on purpose: ingest being away is what the spool is for, and
  # failing the probe for it would take the gateway down with it. /health (with ingest) is for humans.
  startupProbe:
    httpGet: { path: /health/live, port: http-metrics }
    periodSeconds: 2
    failureThreshold: 30
  readinessProbe:
    httpGet: { path: /health/live, port: http-metrics }
    periodSeconds: 10
  livenessProbe:
    httpGet: { path: /health/live, port: http-metrics }
    periodSeconds: 20
    failureThreshold: 3
  resources:
    {{- toYaml .Values.sidecar.resources | nindent 4 }}
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
    runAsGroup: 1000
    allowPrivilegeEscalation: false
    readOnlyRootFilesystem: true
    capabilities:
      drop: [ALL]
  volumeMounts:
    - name: spool
      mountPath: /var/lib/tapes/spool
    - name: sidecar-tmp
      mountPath: /tmp
{{- end }}
