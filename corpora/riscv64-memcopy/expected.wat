(module
  (type (;0;) (func (param i32)))
  (memory (;0;) 0)
  (func (;0;) (type 0) (param i32)
    i32.const 0
    local.get 0
    i32.const 32
    memory.copy
  )
)
