(module
  (type (;0;) (func (result f32)))
  (export "run" (func 0))
  (func (;0;) (type 0) (result f32)
    (local f32 f32)
    local.get 0
    local.get 0
    f32.div
    local.set 1
    local.get 1
  )
)
