{{/* Names and labels. */}}
{{- define "switchboard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "switchboard.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 55 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 55 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 55 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "switchboard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Selector labels of one process: (dict "root" $ "component" "api"). */}}
{{- define "switchboard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "switchboard.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "switchboard.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{- define "switchboard.secretName" -}}
{{- .Values.secrets.existingSecret | default (include "switchboard.fullname" .) -}}
{{- end -}}

{{/* The Secret the migration hook reads: yours, or a hook copy of the chart's (the chart's own does not exist yet before an install). */}}
{{- define "switchboard.migrateSecretName" -}}
{{- if .Values.secrets.existingSecret -}}
{{- .Values.secrets.existingSecret -}}
{{- else -}}
{{- printf "%s-migrate" (include "switchboard.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "switchboard.exportsLocal" -}}
{{- if eq (.Values.config.SB_EXPORT_STORAGE | default "local") "local" -}}true{{- end -}}
{{- end -}}

{{/*
The ConfigMap's data: what the chart sets itself, then `config`. values.schema.json
keeps `config` to variables the chart does not set, so no key appears twice.
*/}}
{{- define "switchboard.configData" -}}
NODE_ENV: "production"
SB_PUBLIC_URL: {{ required "publicUrl is required: the URL clients reach the api at" .Values.publicUrl | quote }}
SB_STATE_DIR: "/data/state"
SB_MLLP_PORT: {{ .Values.mllp.port | toString | quote }}
{{- if include "switchboard.exportsLocal" . }}
SB_EXPORT_DIR: {{ .Values.exports.mountPath | quote }}
{{- end }}
{{- if .Values.sandbox.enabled }}
SB_SANDBOX_URL: {{ printf "http://%s-sandbox:%s" (include "switchboard.fullname" .) (.Values.sandbox.port | toString) | quote }}
SB_SANDBOX_PORT: {{ .Values.sandbox.port | toString | quote }}
SB_SANDBOX_MLLP_PORT: {{ .Values.sandbox.mllpPort | toString | quote }}
{{- end }}
{{- range $key, $value := .Values.config }}
{{ $key }}: {{ $value | toString | quote }}
{{- end }}
{{- end -}}

{{/* The chart-made Secret's data (base64), with the variables every process needs checked. */}}
{{- define "switchboard.secretData" -}}
{{- $values := .Values.secrets.values | default dict -}}
{{- range $key := list "SB_ADMIN_TOKEN" "SB_VAULT_MASTER_KEY" "DATABASE_URL" "REDIS_URL" }}
{{- if not (get $values $key) }}
{{- fail (printf "secrets.values.%s is required (or name your own Secret in secrets.existingSecret)" $key) }}
{{- end }}
{{- end }}
{{- range $key, $value := $values }}
{{ $key }}: {{ $value | toString | b64enc | quote }}
{{- end }}
{{- end -}}

{{/* Pod annotations: config and secret checksums, so a changed setting rolls the pods. */}}
{{- define "switchboard.podAnnotations" -}}
checksum/config: {{ include "switchboard.configData" .root | sha256sum }}
{{- if not .root.Values.secrets.existingSecret }}
checksum/secret: {{ include "switchboard.secretData" .root | sha256sum }}
{{- end }}
{{- with .proc.podAnnotations }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Pod-level settings every process shares: (dict "root" $ "proc" .Values.api). */}}
{{- define "switchboard.podCommon" -}}
automountServiceAccountToken: false
{{- with .root.Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .root.Values.podSecurityContext | nindent 2 }}
{{- with .proc.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .proc.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .proc.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .proc.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Container settings every process shares: (dict "root" $ "name" "api"). */}}
{{- define "switchboard.containerCommon" -}}
image: {{ include "switchboard.image" .root | quote }}
imagePullPolicy: {{ .root.Values.image.pullPolicy }}
securityContext:
  {{- toYaml .root.Values.containerSecurityContext | nindent 2 }}
envFrom:
  - configMapRef:
      name: {{ include "switchboard.fullname" .root }}
  - secretRef:
      name: {{ include "switchboard.secretName" .root }}
{{- end -}}

{{/* Writable places under a read-only root filesystem. */}}
{{- define "switchboard.scratchVolumes" -}}
- name: tmp
  emptyDir: {}
- name: state
  emptyDir: {}
{{- end -}}

{{- define "switchboard.scratchMounts" -}}
- name: tmp
  mountPath: /tmp
- name: state
  mountPath: /data/state
{{- end -}}

{{- define "switchboard.exportsVolume" -}}
{{- if include "switchboard.exportsLocal" . }}
- name: exports
  persistentVolumeClaim:
    claimName: {{ required "exports.existingClaim is required with SB_EXPORT_STORAGE=local: a ReadWriteMany PersistentVolumeClaim the api and worker pods share (or use SB_EXPORT_STORAGE=s3)" .Values.exports.existingClaim }}
{{- end }}
{{- end -}}

{{- define "switchboard.exportsMount" -}}
{{- if include "switchboard.exportsLocal" . }}
- name: exports
  mountPath: {{ .Values.exports.mountPath }}
{{- end }}
{{- end -}}
