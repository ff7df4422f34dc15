(module
  (type (;0;) (func))
  (func (;0;) (type 0)
    i32.const 0
    i32x4.splat
    unreachable
  )
)
