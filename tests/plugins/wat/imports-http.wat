;; A component that speaks contract stagegate:plugin@0.1.0 but imports
;; wasi:http, which the sandbox does not link: `check` must refuse it before
;; running anything, and `plugin inspect` must flag the import.
(component
  (import "wasi:http/outgoing-handler@0.2.6" (instance (export "handle" (func))))
  (core module $m
    (func (export "describe")))
  (core instance $i (instantiate $m))
  (func $describe (canon lift (core func $i "describe")))
  (instance $guest (export "describe" (func $describe)))
  (export "stagegate:plugin/guest@0.1.0" (instance $guest)))
