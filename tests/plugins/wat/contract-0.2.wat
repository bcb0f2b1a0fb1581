;; A component that claims the (future) contract stagegate:plugin@0.2.0.
;; The host must refuse it, naming both versions, without running it.
(component
  (core module $m
    (func (export "describe")))
  (core instance $i (instantiate $m))
  (func $describe (canon lift (core func $i "describe")))
  (instance $guest (export "describe" (func $describe)))
  (export "stagegate:plugin/guest@0.2.0" (instance $guest)))
