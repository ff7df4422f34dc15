(module
  (type (;0;) (func))
  (memory (;0;) 0)
  (export "run" (func 0))
  (func (;0;) (type 0)
    i32.const 0
    i32.load
    drop
  )
)
