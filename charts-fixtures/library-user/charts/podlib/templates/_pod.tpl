{{- define "podlib.pod" -}}
apiVersion: v1
kind: Pod
metadata:
  name: {{ .Release.Name }}-lib
spec:
  hostIPC: {{ .Values.hostIPC }}
  containers:
    - name: app
      image: app:1
      securityContext:
        runAsUser: 10000
{{- end }}
