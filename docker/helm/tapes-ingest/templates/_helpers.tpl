{{/* Chart name, truncated to the 63 characters of a DNS label. */}}
{{- define "tapes-ingest.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart unless the release name already contains the chart name. */}}
{{- define "tapes-ingest.fullname" -}}
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

{{- define "tapes-ingest.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Every pod of the release: the ingest replicas and the migration Job. */}}
{{- define "tapes-ingest.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tapes-ingest.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The ingest replicas only (Deployment, Service, PodDisruptionBudget): never the migration Job's pod. */}}
{{- define "tapes-ingest.serverSelectorLabels" -}}
{{ include "tapes-ingest.selectorLabels" . }}
app.kubernetes.io/component: ingest
{{- end }}

{{- define "tapes-ingest.commonLabels" -}}
helm.sh/chart: {{ include "tapes-ingest.chart" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tapes
{{- end }}

{{- define "tapes-ingest.labels" -}}
{{ include "tapes-ingest.commonLabels" . }}
{{ include "tapes-ingest.serverSelectorLabels" . }}
{{- end }}

{{- define "tapes-ingest.migrateLabels" -}}
{{ include "tapes-ingest.commonLabels" . }}
{{ include "tapes-ingest.selectorLabels" . }}
app.kubernetes.io/component: migrate
{{- end }}

{{- define "tapes-ingest.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "tapes-ingest.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "tapes-ingest.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret holding DATABASE_URL for the replicas: the user's, or the one this chart creates. */}}
{{- define "tapes-ingest.databaseSecretName" -}}
{{- if .Values.database.url }}
{{- include "tapes-ingest.fullname" . }}
{{- else if .Values.database.existingSecret }}
{{- tpl .Values.database.existingSecret . }}
{{- else }}
{{- fail "tapes-ingest needs PostgreSQL: set database.existingSecret (a Secret holding the postgresql:// URL) or database.url" }}
{{- end }}
{{- end }}

{{- define "tapes-ingest.databaseSecretKey" -}}
{{- if .Values.database.url }}database-url{{ else }}{{ .Values.database.existingSecretKey }}{{ end }}
{{- end }}

{{/*
The Secret the migration Job reads DATABASE_URL from. Pre-install hooks run before the release's
own resources exist, so a URL given in values gets a hook copy of its own (created just before the
Job, deleted once the hooks succeed); an existing Secret is used as it is.
*/}}
{{- define "tapes-ingest.migrateSecretName" -}}
{{- if .Values.database.url }}
{{- printf "%s-migrate" (include "tapes-ingest.fullname" .) }}
{{- else }}
{{- include "tapes-ingest.databaseSecretName" . }}
{{- end }}
{{- end }}

{{/* The Secret holding INGEST_TOKEN, if any: the user's, or the one this chart creates. */}}
{{- define "tapes-ingest.tokenSecretName" -}}
{{- if .Values.auth.existingSecret }}
{{- tpl .Values.auth.existingSecret . }}
{{- else if .Values.auth.token }}
{{- include "tapes-ingest.fullname" . }}
{{- end }}
{{- end }}

{{- define "tapes-ingest.tokenSecretKey" -}}
{{- if .Values.auth.existingSecret }}{{ .Values.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* Restricted pod security (Pod Security Standards "restricted"); the image's user is uid 1000. */}}
{{- define "tapes-ingest.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "tapes-ingest.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
{{- end }}

{{/* DATABASE_URL from a Secret, never a plain value. */}}
{{- define "tapes-ingest.databaseEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
{{- end }}
