{{- define "flags.pod" -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ .name | quote }}
  namespace: {{ .root.Release.Namespace }}
spec:
  hostPID: true
  containers:
    - name: c
      image: i
      securityContext:
        runAsUser: 20000
{{- end }}
