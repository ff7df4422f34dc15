(module
  (type (;0;) (func))
  (memory (;0;) 1)
  (func (;0;) (type 0)
    i32.const 0
    if ;; label = @1
      loop ;; label = @2
        i32.const 6
        drop
        loop ;; label = @3
          block ;; label = @4
            i32.const 0
            i32.const 0
            v128.load32_splat offset=16
            unreachable
          end
        end
      end
    else
    end
  )
)
