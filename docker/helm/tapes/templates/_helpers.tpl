{{/*
The Secret holding the ingest token (key `token`), shared by the sidecar and ingest. Also used from
the subcharts' values through `tpl`, so it reads only .Release and .Values.global.
*/}}
{{- define "tapes.ingestTokenSecretName" -}}
{{- $token := .Values.global.tapes.ingestToken -}}
{{- if $token.existingSecret }}
{{- $token.existingSecret }}
{{- else }}
{{- printf "%s-ingest-token" .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "tapes.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tapes
{{- end }}
