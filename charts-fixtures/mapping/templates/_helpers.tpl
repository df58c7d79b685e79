{{/* A pod spec shared by several workloads; hostNetwork comes from the caller's values. */}}
{{- define "mapping.podSpec" -}}
hostNetwork: {{ .Values.helper.hostNetwork }}
containers:
  - name: helper
    image: helper:1
    securityContext:
      runAsUser: 20000
{{- end }}
