(module
  (type (;0;) (func))
  (memory (;0;) 0)
  (func (;0;) (type 0)
    i32.const 0
    v128.load32_splat
    unreachable
  )
)
