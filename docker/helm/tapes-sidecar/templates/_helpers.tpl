{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "tapes-sidecar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "tapes-sidecar.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "tapes-sidecar.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "tapes-sidecar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tapes-sidecar.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "tapes-sidecar.labels" -}}
helm.sh/chart: {{ include "tapes-sidecar.chart" . }}
{{ include "tapes-sidecar.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: llm-gateway
{{- end }}

{{- define "tapes-sidecar.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tapes-sidecar.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding the ingest token, if any: the user's, or the one this chart creates. */}}
{{- define "tapes-sidecar.tokenSecretName" -}}
{{- if .Values.ingest.existingSecret }}
{{- tpl .Values.ingest.existingSecret . }}
{{- else if .Values.ingest.token }}
{{- printf "%s-ingest" (include "tapes-sidecar.fullname" .) }}
{{- end }}
{{- end }}

{{- define "tapes-sidecar.tokenSecretKey" -}}
{{- if .Values.ingest.existingSecret }}{{ .Values.ingest.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{- define "tapes-sidecar.sidecarImage" -}}
{{- printf "%s:%s" .Values.sidecar.image.repository (default .Chart.AppVersion .Values.sidecar.image.tag) }}
{{- end }}

{{/* Envoy cluster names must be unique and DNS-safe; one per upstream. */}}
{{- define "tapes-sidecar.upstreamCluster" -}}
{{- printf "upstream_%s" (. | replace "-" "_") }}
{{- end }}
