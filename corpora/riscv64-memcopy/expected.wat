(module
  (type (;0;) (func (param i32)))
  (memory (;0;) 1)
  (func (;0;) (type 0) (param i32)
    (local i32 i32)
    block ;; label = @1
      i32.const 0
      local.get 1
      i32.const 3
      memory.fill
      block ;; label = @2
        block ;; label = @3
          i32.const 4
          drop
          loop ;; label = @4
            i32.const 0
            local.get 0
            i32.const 64
            memory.copy
          end
        end
      end
    end
  )
)
